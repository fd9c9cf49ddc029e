package web

// SafeNext exposes safeNext to the tests of package web_test.
var SafeNext = safeNext

// FormWords exposes formWords to the tests of package web_test.
var FormWords = formWords
