// Package signetapi is the Go client that oapi-codegen generates from
// Signet's OpenAPI document (httpapi/openapi.json), with its default
// options for types and a client. It exists to hold the document to what
// real tooling accepts: the generated code must compile, and its client
// must complete a round trip against a real server (roundtrip_test.go).
// Programs should use package client, the hand-written SDK.
//
// signetapi.gen.go is generated, not committed: ../../.ci/contract.sh
// (or go generate in this directory) writes it from the current document.
package signetapi

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -generate types,client -package signetapi -o signetapi.gen.go ../../httpapi/openapi.json
