package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func init() {
	register(command{name: "version", summary: "print the version and the source revision it was built from", run: cmdVersion})
}

// version is the version the CLI reports, and sends in its User-Agent.
// -ldflags "-X main.version=…" sets it; otherwise it is the module version
// the build recorded (v1.2.3 for "go install …@v1.2.3", "(devel)" for a
// build in a checkout), "dev" without build information.
var version = ""

func init() {
	if version != "" {
		return
	}
	version = "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
}

// buildInfo is what "signet version" prints.
type buildInfo struct {
	version, revision, time string
	modified                bool
}

// readBuildInfo returns the version and the VCS revision the binary was
// built from, as the go command recorded them (runtime/debug); revision
// is "" when the build had no VCS information (go run, go test, a build
// outside a checkout, -buildvcs=false).
func readBuildInfo() buildInfo {
	b := buildInfo{version: version}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.revision = s.Value
		case "vcs.time":
			b.time = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version")
	if err := parseFlags(e, fs, args, "", "print the version and the source revision it was built from"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	printVersion(e.stdout, readBuildInfo())
	return nil
}

// printVersion writes, e.g.:
//
//	signet version v1.4.0
//	revision 3f2c…e1 (2026-03-01T10:00:00Z)
//	go1.26.8 linux/amd64
func printVersion(w io.Writer, b buildInfo) {
	fmt.Fprintf(w, "signet version %s\n", b.version)
	switch {
	case b.revision == "":
		fmt.Fprintln(w, "revision unknown (built without VCS information)")
	default:
		extra := b.time
		if b.modified {
			extra += ", with uncommitted changes"
		}
		if extra != "" {
			extra = " (" + extra + ")"
		}
		fmt.Fprintf(w, "revision %s%s\n", b.revision, extra)
	}
	fmt.Fprintf(w, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
