// Compiled by .ci/contract.sh with tsc --strict against the types
// openapi-typescript generates from httpapi/openapi.json (./signet-api.d.ts,
// generated next to a copy of this file): the generated types must compile,
// and the names a TypeScript caller uses must exist with these shapes.
import type { components, operations, paths } from "./signet-api";

type Schemas = components["schemas"];

const created: Schemas["CreatedServiceAccount"] = {
  service_account: {
    id: "sa_01",
    kind: "service_account",
    name: "nightly-etl",
    description: "",
    status: "active",
    created_at: "2026-01-01T00:00:00Z",
    created_by: "usr_01",
    updated_at: "2026-01-01T00:00:00Z",
    last_active_at: null,
  },
};

const request: operations["createServiceAccount"]["requestBody"]["content"]["application/json"] = {
  name: "nightly-etl",
  grants: [{ role_id: "role_view" }],
  api_key: { name: "airflow" },
};

type ListResponse = paths["/api/v1/service-accounts"]["get"]["responses"][200]["content"]["application/json"];
const page: ListResponse = { data: [created.service_account] };

const failure: Schemas["Error"] = { error: { code: "not_found", message: "no such service account" } };

export const examples = [created, request, page, failure];
