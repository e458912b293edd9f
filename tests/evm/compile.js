// Compiles tests/evm/contracts/*.sol with solc-js (standard JSON, offline) and prints one JSON
// object on stdout: {"<Contract>": {"abi": [...], "bytecode": "0x…", "deployedBytecode":
// "0x…"}}. The pytest fixture (tests/evm_chain.py) runs it once per source hash and caches
// the output; compiled bytecode is never committed.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const here = __dirname;
const contracts = path.join(here, "contracts");
const sources = {};
for (const name of fs.readdirSync(contracts).filter((f) => f.endsWith(".sol")).sort()) {
  sources[name] = { content: fs.readFileSync(path.join(contracts, name), "utf8") };
}

function findImports(importPath) {
  const file = path.join(here, "node_modules", importPath);
  if (!file.startsWith(path.join(here, "node_modules"))) return { error: "outside" };
  try {
    return { contents: fs.readFileSync(file, "utf8") };
  } catch (e) {
    return { error: `not found: ${importPath}` };
  }
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    // py-evm runs Prague; Cancun bytecode (mcopy, transient storage) runs there too.
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) process.stderr.write(e.formattedMessage + "\n");
  process.exit(1);
}
const out = {};
for (const [file, byName] of Object.entries(output.contracts)) {
  if (!file.startsWith("@")) {
    for (const [name, c] of Object.entries(byName)) {
      out[name] = {
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
      };
    }
  }
}
out._compiler = solc.version();
process.stdout.write(JSON.stringify(out));
