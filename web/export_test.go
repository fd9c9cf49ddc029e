package web

// SafeNext exposes safeNext to the tests of package web_test.
var SafeNext = safeNext
