// Validates AsyncAPI documents with the official parser (@asyncapi/parser, pinned in
// package.json): prints every diagnostic of severity error and exits 1 on any.
// Usage: node tests/contract_tools/asyncapi-validate.mjs docs/asyncapi/*.json
import { readFile } from "node:fs/promises";
import { DiagnosticSeverity, Parser } from "@asyncapi/parser";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: asyncapi-validate.mjs <document.json>...");
  process.exit(2);
}

const parser = new Parser();
let errors = 0;
for (const file of files) {
  const diagnostics = await parser.validate(await readFile(file, "utf8"), { source: file });
  const found = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of found) {
    console.log(`${file}: ${d.code}: ${d.message} at /${d.path.join("/")}`);
  }
  console.log(`${file}: ${found.length} error(s)`);
  errors += found.length;
}
process.exit(errors > 0 ? 1 : 0);
