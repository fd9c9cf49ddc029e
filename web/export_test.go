package web

// SafeNext exposes safeNext to the tests of package web_test.
var SafeNext = safeNext

// NewAssetName is the hashed name static files get, for the tests of
// package web_test.
func NewAssetName(name string, body []byte) string { return newAsset(name, body).hashed }

// AcceptsGzip exposes acceptsGzip to the tests of package web_test.
var AcceptsGzip = acceptsGzip

// FormWords exposes formWords to the tests of package web_test.
var FormWords = formWords
