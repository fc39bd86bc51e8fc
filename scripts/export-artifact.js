#!/usr/bin/env node
// Writes the committed contract artifact (package data of the Python `ledger` package, which
// needs no Node at run time) from a Hardhat artifacts directory, deterministically:
// sorted keys, 2-space indent, trailing newline.
//
//   node scripts/export-artifact.js <artifacts-dir> <out.json>
//
// Alongside <out.json> it writes <out-stem>.LICENSE: the licences of every Solidity source
// compiled into the bytecode (the contract links OpenZeppelin Contracts, MIT).
"use strict";

const fs = require("fs");
const path = require("path");

const CONTRACT = "ProvenanceLedger";
const SOURCE = `contracts/${CONTRACT}.sol`;

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}

function spdx(content) {
  const match = /SPDX-License-Identifier:\s*([^\s*]+)/.exec(content);
  return match ? match[1] : "UNLICENSED";
}

const OPENZEPPELIN_MIT = `The MIT License (MIT)

Copyright (c) 2016-2025 Zeppelin Group Ltd

Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to
the following conditions:

The above copyright notice and this permission notice shall be included
in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;

function main() {
  const [artifactsDir, outPath] = process.argv.slice(2);
  if (!artifactsDir || !outPath) {
    console.error("usage: node scripts/export-artifact.js <artifacts-dir> <out.json>");
    process.exit(2);
  }
  const contractDir = path.join(artifactsDir, SOURCE);
  const artifact = JSON.parse(fs.readFileSync(path.join(contractDir, `${CONTRACT}.json`), "utf8"));
  const dbg = JSON.parse(fs.readFileSync(path.join(contractDir, `${CONTRACT}.dbg.json`), "utf8"));
  const buildInfo = JSON.parse(fs.readFileSync(path.resolve(contractDir, dbg.buildInfo), "utf8"));
  const settings = buildInfo.input.settings;

  const exported = {
    contractName: artifact.contractName,
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    deployedBytecode: artifact.deployedBytecode,
    compiler: {
      version: buildInfo.solcLongVersion,
      settings: { optimizer: settings.optimizer, evmVersion: settings.evmVersion },
    },
  };
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  fs.writeFileSync(outPath, JSON.stringify(sortKeys(exported), null, 2) + "\n");

  // Only the sources this contract's bytecode depends on (the build may hold other contracts).
  const used = Object.keys(JSON.parse(artifact.metadata ?? buildInfo.output.contracts[SOURCE][CONTRACT].metadata).sources)
    .sort()
    .map((name) => `  ${name}: ${spdx(buildInfo.input.sources[name].content)}`);
  const notice = [
    `${CONTRACT} bytecode and ABI in ${path.basename(outPath)}, compiled with solc ${buildInfo.solcLongVersion}`,
    "from these Solidity sources (SPDX licence identifiers):",
    ...used,
    "",
    "The @openzeppelin/contracts sources are OpenZeppelin Contracts, under this licence:",
    "",
    OPENZEPPELIN_MIT,
  ].join("\n");
  fs.writeFileSync(outPath.replace(/\.json$/, "") + ".LICENSE", notice);
}

main();
