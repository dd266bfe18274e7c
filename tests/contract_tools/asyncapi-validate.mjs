// Validates AsyncAPI documents as a team in another language would read them: the
// official parser (@asyncapi/parser), then every message payload compiled by Ajv in strict
// mode with formats, which must refuse a record without its envelope (decision 0003).
// Prints every error found and exits 1 on any.
// Usage: node tests/contract_tools/asyncapi-validate.mjs docs/asyncapi/*.json
import { readFile } from "node:fs/promises";
import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const ENVELOPE = ["event_id", "occurred_at", "schema_version"];

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: asyncapi-validate.mjs <document.json>...");
  process.exit(2);
}

async function parserErrors(file, text) {
  const diagnostics = await new Parser().validate(text, { source: file });
  return diagnostics
    .filter((d) => d.severity === DiagnosticSeverity.Error)
    .map((d) => `${d.code}: ${d.message} at /${d.path.join("/")}`);
}

// Component schemas get ids of their own, so that payloads' local references resolve.
const id = (name) => `urn:share-links:schema:${name}`;
const local = (node) =>
  JSON.parse(JSON.stringify(node).replaceAll('"#/components/schemas/', `"${id("")}`));

function payloadErrors(document) {
  const ajv = addFormats(new Ajv({ strict: true, allErrors: true }));
  const found = [];
  try {
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      ajv.addSchema({ ...local(schema), $id: id(name) });
    }
    for (const [name, message] of Object.entries(document.components?.messages ?? {})) {
      const validate = ajv.compile(local(message.payload));
      validate({});
      const missing = (validate.errors ?? []).map((e) => e.params.missingProperty);
      for (const field of ENVELOPE.filter((f) => !missing.includes(f))) {
        found.push(`ajv: ${name}: a payload without ${field} is accepted`);
      }
    }
  } catch (error) {
    found.push(`ajv: ${error.message}`);
  }
  return found;
}

let errors = 0;
for (const file of files) {
  const text = await readFile(file, "utf8");
  const found = [...(await parserErrors(file, text)), ...payloadErrors(JSON.parse(text))];
  for (const line of found) console.log(`${file}: ${line}`);
  console.log(`${file}: ${found.length} error(s)`);
  errors += found.length;
}
process.exit(errors > 0 ? 1 : 0);
