package client

// Leak reports in the secret scanning partner format: a secret scanner
// that finds strings matching Signet's key pattern in public POSTs them to
// /api/v1/secret-scanning/reports (signed; see the README, "Leaked keys"),
// and Signet answers with a verdict for each. The SDK does not send
// reports; these are the wire types of that endpoint.

// SecretScanningMatch is one string a secret scanner found: the body of a
// report is a JSON array of them.
type SecretScanningMatch struct {
	// Token is the string found. Signet never logs, stores or returns it.
	Token string `json:"token"`
	// Type is the name the scanner gives the pattern that matched.
	Type string `json:"type"`
	// URL is where the string was found (may be empty).
	URL string `json:"url"`
	// Source is the kind of place: content, commit, issue_comment, …
	Source string `json:"source"`
}

// SecretScanningVerdict is Signet's answer about one match, in the order
// of the report.
type SecretScanningVerdict struct {
	// TokenHash is the hex SHA-256 of the token (the token itself is never
	// sent back).
	TokenHash string `json:"token_hash"`
	// TokenType is the match's type, as reported.
	TokenType string `json:"token_type"`
	// Label is LeakTruePositive for a key of this Signet (revoked now, or
	// before), LeakFalsePositive for anything else.
	Label string `json:"label"`
}

// Labels of a SecretScanningVerdict.
const (
	LeakTruePositive  = "true_positive"
	LeakFalsePositive = "false_positive"
)
