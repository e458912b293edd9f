"""Configuration loading, secrets handling and the operations commands (invite, run)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bot.cli import INVITE_PERMISSIONS, invite_url, main
from bot.config import load_config
from core.errors import ConfigError
from core.secret import Secret
from sources.config import DEFAULT_BLOCKSCOUT

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_defaults_are_the_public_hosts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(env={})
    assert cfg.sources.defillama_url == "https://api.llama.fi"
    assert cfg.sources.snapshot_url == "https://hub.snapshot.org/graphql"
    assert cfg.sources.blockscout == DEFAULT_BLOCKSCOUT
    assert not cfg.discord.token and cfg.path is None


def test_example_file_documents_every_key_and_loads():
    cfg = load_config(EXAMPLE, env={})
    text = EXAMPLE.read_text()
    from dataclasses import fields

    from commands.config import DiscordConfig
    from sources.config import SourcesConfig

    for f in fields(DiscordConfig) + fields(SourcesConfig):
        assert f.name in text, f"config.example.toml does not mention {f.name}"
    assert set(cfg.sources.blockscout) == set(DEFAULT_BLOCKSCOUT)


def test_file_found_via_env_var_and_cwd(tmp_path, monkeypatch):
    a = tmp_path / "a.toml"
    a.write_text('[sources]\ndefillama_url = "http://mirror.local/llama/"\n')
    cfg = load_config(env={"LORENZ_CONFIG": str(a)})
    assert cfg.sources.defillama_url == "http://mirror.local/llama" and cfg.path == a
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text('[sources.blockscout]\nethereum = "http://bs.local"\n')
    cfg = load_config(env={})
    assert cfg.sources.blockscout["ethereum"] == "http://bs.local"
    assert cfg.sources.blockscout["optimism"] == DEFAULT_BLOCKSCOUT["optimism"]


def test_environment_secrets_win_and_never_show(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[discord]\ntoken = "from-file"\n[sources]\nethplorer_api_key = "file-key"\n')
    cfg = load_config(f, env={"DISCORD_TOKEN": "tok-from-env-123",
                              "ETHPLORER_API_KEY": "ek-from-env-456"})
    assert cfg.discord.token.get() == "tok-from-env-123"
    assert cfg.sources.ethplorer_api_key.get() == "ek-from-env-456"
    text = repr(cfg) + str(cfg)
    for secret in ("tok-from-env-123", "ek-from-env-456", "from-file", "file-key"):
        assert secret not in text
    assert repr(Secret("x")) == "Secret('***')" and repr(Secret("")) == "Secret('')"


def test_rpc_urls_default_to_keyless_endpoints_and_can_be_overridden(tmp_path):
    from sources.config import DEFAULT_RPC

    f = tmp_path / "c.toml"
    f.write_text("[sources.rpc]\nEthereum = 'http://127.0.0.1:8545/'\nbase = 'https://b.example'\n")
    cfg = load_config(f, env={})
    assert cfg.sources.rpc["ethereum"] == "http://127.0.0.1:8545"
    assert cfg.sources.rpc["base"] == "https://b.example"
    assert cfg.sources.rpc["arbitrum"] == DEFAULT_RPC["arbitrum"]


@pytest.mark.parametrize(("body", "needle"), [
    ("[discord]\nfoo = 1\n", "unknown key 'foo'"),
    ("[nope]\n", "unknown section"),
    ("[discord]\nuser_rate = -1\n", "user_rate"),
    ("[discord]\nprefix_enabled = 'yes'\n", "prefix_enabled"),
    ("[sources]\ndefillama_url = 'ftp://x'\n", "http(s) URL"),
    ("[sources]\nholders_limit = 0\n", "holders_limit"),
    ("[sources]\nkeyless_holders_limit = 0\n", "keyless_holders_limit"),
    ("[sources]\nblockscout_pro_url = 'api.blockscout.com'\n", "http(s) URL"),
    ("[sources.blockscout]\nethereum = 5\n", "ethereum"),
    ("[sources.rpc]\narbitrum = 'arb1.arbitrum.io'\n", "http(s) URL"),
    ("[sources]\nrpc = 'x'\n", "[sources.rpc]"),
    ("[sources]\ndelegate_holders = 5000\n", "delegate_holders"),
    ("[discord\n", "not valid TOML"),
])
def test_bad_config_is_one_clear_error(tmp_path, body, needle):
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(ConfigError, match=None) as info:
        load_config(f, env={})
    assert needle in str(info.value)
    assert "\n" not in str(info.value).strip()


def test_missing_config_file_via_cli_is_one_line(tmp_path, capsys):
    code = main(["analyze", "uniswap", "--config", str(tmp_path / "missing.toml")])
    err = capsys.readouterr().err
    assert code == 2 and "config file not found" in err and len(err.strip().splitlines()) == 1


def test_invite_url_has_least_permissions_and_both_scopes(capsys):
    url = invite_url(123456789012345678)
    query = parse_qs(urlparse(url).query)
    assert query["client_id"] == ["123456789012345678"]
    assert set(query["scope"][0].split()) == {"bot", "applications.commands"}
    expected = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)
    assert int(query["permissions"][0]) == expected
    assert set(INVITE_PERMISSIONS) == {"view_channel", "send_messages", "embed_links",
                                       "attach_files", "read_message_history"}
    assert main(["invite", "--client-id", "42"]) == 0
    assert "client_id=42" in capsys.readouterr().out


def test_invite_without_id_and_run_without_token_fail_clearly(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("LORENZ_CONFIG", raising=False)
    assert main(["invite"]) == 2
    assert "application id" in capsys.readouterr().err
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err and len(err.strip().splitlines()) == 1
