package main

// signet scan: find Signet keys in files, directories and git history.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/client"
)

func init() {
	register(scanCmd.command())
}

// errLiveKeys makes "signet scan" exit 1 after printing what it found.
var errLiveKeys = errors.New("live keys found")

// maxScanFile bounds the files scan reads; larger ones are skipped with
// a note.
const maxScanFile = 256 << 20

// Statuses of a key found, besides the API's (active, disabled, revoked,
// expired).
const (
	scanUnchecked = "unchecked" // --offline: only the checksum was checked
	scanUnknown   = "unknown"   // the server has no such key
	scanNoAccess  = "not_shown" // the server would not show it to the caller
)

// The API's statuses scan tells apart, and the reason --revoke gives
// (the reason of a key revoked by a leak report too).
const (
	keyActive   = "active"
	keyDisabled = "disabled"
	keyRevoked  = "revoked"
	reasonLeak  = "leaked"
)

type scanFlags struct {
	git, offline, revoke bool
}

// scanFinding is one key found. It never holds the secret.
type scanFinding struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	// Commit is the commit that added the line, with --git.
	Commit string `json:"commit,omitempty"`
	KeyID  string `json:"key_id"`
	Kind   string `json:"kind"` // service_account or personal
	// Status is the key's status on the server (active, disabled,
	// revoked, expired), unknown when the server has no such key,
	// not_shown when it would not show it to the caller, or unchecked
	// with --offline.
	Status string `json:"status"`
	// Live reports whether the key may still work: active or disabled
	// (which can be enabled again), and when it could not be told
	// (unchecked, not_shown).
	Live bool `json:"live"`
	// RevokedNow is set when --revoke revoked it.
	RevokedNow bool `json:"revoked_now,omitempty"`
	// Error says why a lookup or a revocation failed.
	Error string `json:"error,omitempty"`
}

// scanResult is what --json prints.
type scanResult struct {
	Findings []scanFinding `json:"findings"`
	Live     int           `json:"live"`
}

var scanCmd = clientCmd[scanFlags]{name: "scan", args: "PATH... [--git] [--offline | --revoke] [--json]",
	summary: "find Signet API keys in files, directories or (--git) a repository's history, and say which are live; exit status 1 when one is",
	min:     1, max: -1,
	// The client is made only when keys are looked up (not --offline).
	offline: true,
	flags: func(o *scanFlags, fs *flag.FlagSet) {
		fs.BoolVar(&o.git, "git", false, "scan every commit of the git repository at each PATH (all branches and tags: the lines each commit added), not the files")
		fs.BoolVar(&o.offline, "offline", false, "do not ask the server: report every key whose checksum is right, as if live")
		fs.BoolVar(&o.revoke, "revoke", false, "revoke the live keys found (reason \"leaked\"); needs the permission to revoke them")
	},
	check: func(x *cmdCall, o *scanFlags) error {
		if o.offline && o.revoke {
			return usagef("scan: --offline and --revoke exclude each other: revoking asks the server")
		}
		for _, p := range x.args {
			if _, err := os.Stat(p); err != nil {
				return usagef("scan: %v", err)
			}
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *scanFlags) (*output, error) {
		var found []scanFinding
		add := func(f scanFinding) { found = append(found, f) }
		for _, p := range x.args {
			var err error
			if o.git {
				err = scanGit(ctx, p, add)
			} else {
				err = scanPath(x.e, p, add)
			}
			if err != nil {
				return nil, err
			}
		}
		if !o.offline && len(found) > 0 {
			cl, err := x.client()
			if err != nil {
				return nil, err
			}
			if err := checkFindings(ctx, cl, found, o.revoke); err != nil {
				return nil, wrapErr(err)
			}
		}
		res := scanResult{Findings: found}
		if res.Findings == nil {
			res.Findings = []scanFinding{}
		}
		revoked := 0
		for _, f := range found {
			if f.Live {
				res.Live++
			}
			if f.RevokedNow {
				revoked++
			}
		}
		raw, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		out := &output{data: res, raw: raw, text: func(w io.Writer) error {
			for _, f := range found {
				printFinding(w, f)
			}
			return nil
		}}
		switch {
		case len(found) == 0:
			out.note = "no Signet keys found\n"
		case o.offline:
			out.note = fmt.Sprintf("%d Signet %s found (not checked with the server: --offline)\n", len(found), plural(len(found), "key", "keys"))
		default:
			out.note = fmt.Sprintf("%d Signet %s found, %d live", len(found), plural(len(found), "key", "keys"), res.Live)
			if revoked > 0 {
				out.note += fmt.Sprintf(", %d revoked now", revoked)
			}
			out.note += "\n"
		}
		if res.Live > 0 {
			return out, errLiveKeys
		}
		return out, nil
	}}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printFinding writes one finding for people: where (commit:path:line, as
// git grep does), the key id, its kind and status; never the secret.
func printFinding(w io.Writer, f scanFinding) {
	where := fmt.Sprintf("%s:%d", f.Path, f.Line)
	if f.Commit != "" {
		where = f.Commit[:min(12, len(f.Commit))] + ":" + where
	}
	status := f.Status
	switch {
	case f.RevokedNow:
		status = "live, revoked now"
	case f.Live && f.Status == scanUnchecked:
		status = "not checked (offline)"
	case f.Status == scanNoAccess:
		status = "not checked: the server would not show it to you (treated as live)"
	case f.Live:
		status = "LIVE (" + f.Status + ")"
	case f.Status == scanUnknown:
		status = "unknown to this server"
	}
	if f.Error != "" {
		status += ": " + f.Error
	}
	fmt.Fprintf(w, "%s: %s (%s key): %s\n", where, f.KeyID, kindLabel(f.Kind), status)
}

// checkFindings asks the server the status of each key found (once per
// key), and with revoke revokes the live ones.
func checkFindings(ctx context.Context, cl *client.Client, found []scanFinding, revoke bool) error {
	type state struct {
		status, err string
		revoked     bool
	}
	seen := map[string]*state{}
	for i := range found {
		f := &found[i]
		st := seen[f.KeyID]
		if st == nil {
			st = &state{}
			seen[f.KeyID] = st
			k, err := cl.GetAPIKey(ctx, f.KeyID)
			var ce *client.Error
			switch {
			case err == nil:
				st.status = k.Status
			case errors.As(err, &ce) && ce.Status == 404:
				st.status = scanUnknown
			case errors.As(err, &ce) && ce.Status == 403:
				st.status = scanNoAccess
			default:
				return err
			}
			if revoke && (st.status == keyActive || st.status == keyDisabled) {
				if _, err := cl.RevokeAPIKey(ctx, f.KeyID, reasonLeak); err != nil {
					if !errors.As(err, &ce) {
						return err
					}
					st.err = "could not revoke: " + oneLine(ce.Message)
				} else {
					st.revoked = true
				}
			}
		}
		f.Status, f.Error = st.status, st.err
		f.Live = st.status == keyActive || st.status == keyDisabled || st.status == scanNoAccess
		if st.revoked {
			// It was live when found; it is revoked now.
			f.Status, f.RevokedNow = keyRevoked, true
		}
	}
	return nil
}

// keyFinding returns the finding of a match of apikey.Regexp, if its
// checksum is right: a random string of the key's shape is not a key.
func keyFinding(m []byte) (scanFinding, bool) {
	k, err := apikey.Parse(string(m))
	if err != nil {
		return scanFinding{}, false
	}
	kind := client.KindServiceAccount
	if k.Kind == apikey.KindPersonal {
		kind = "personal"
	}
	return scanFinding{KeyID: k.ID(), Kind: kind, Status: scanUnchecked, Live: true}, true
}

// scanPath scans a file, or every regular file under a directory (not
// following symbolic links, skipping .git directories).
func scanPath(e *env, root string, add func(scanFinding)) error {
	info, err := os.Stat(root)
	if err != nil {
		return usagef("scan: %v", err)
	}
	if !info.IsDir() {
		return scanFile(e, root, add)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			fmt.Fprintf(e.stderr, "signet scan: skipping %s: %v\n", p, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir() && d.Name() == ".git" && p != root:
			return fs.SkipDir
		case !d.Type().IsRegular():
			return nil
		}
		return scanFile(e, p, add)
	})
}

// scanFile reports the keys in one file, by line.
func scanFile(e *env, p string, add func(scanFinding)) error {
	info, err := os.Stat(p)
	if err != nil {
		fmt.Fprintf(e.stderr, "signet scan: skipping %s: %v\n", p, err)
		return nil
	}
	if info.Size() > maxScanFile {
		fmt.Fprintf(e.stderr, "signet scan: skipping %s: larger than %d MiB\n", p, maxScanFile>>20)
		return nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		fmt.Fprintf(e.stderr, "signet scan: skipping %s: %v\n", p, err)
		return nil
	}
	if !bytes.Contains(data, []byte(apikey.Prefix)) {
		return nil
	}
	line, from := 1, 0
	for _, loc := range apikey.Regexp.FindAllIndex(data, -1) {
		line += bytes.Count(data[from:loc[0]], []byte{'\n'})
		from = loc[0]
		if f, ok := keyFinding(data[loc[0]:loc[1]]); ok {
			f.Path, f.Line = p, line
			add(f)
		}
	}
	return nil
}

// scanGit reports the keys in the lines every commit of the repository at
// dir added, on every branch and tag (git log -p --all): a key committed
// and deleted later is found in the commit that added it. Content that
// appears first in a merge commit's own changes (a conflict resolution) is
// not, as git log -p shows no diff for merges.
func scanGit(ctx context.Context, dir string, add func(scanFinding)) error {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		return errors.New("scan --git needs the git command, which is not installed (or not on PATH)")
	}
	check := exec.CommandContext(ctx, gitBin, "-C", dir, "rev-parse", "--git-dir")
	if err := check.Run(); err != nil {
		return usagef("scan --git: %s is not in a git repository", dir)
	}
	cmd := exec.CommandContext(ctx, gitBin, "--no-pager", "-c", "core.quotePath=false", "-C", dir,
		"log", "--all", "-p", "-U0", "--text", "--no-color", "--no-ext-diff", "--no-textconv",
		"--src-prefix=a/", "--dst-prefix=b/", "--format=%x00commit %H")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("scan --git: %v", err)
	}
	perr := parseGitLog(stdout, add)
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("scan --git: git log failed: %v: %s", err, oneLine(stderr.String()))
	}
	return perr
}

// parseGitLog reads the output of git log -p -U0 with the format
// "\x00commit %H" and reports the keys in added lines, with the commit,
// the path and the line number in the new file. Hunks are read by their
// line counts, so an added line that reads like a header ("+++ x") is
// content, not a header.
func parseGitLog(r io.Reader, add func(scanFinding)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var commit, path string
	var newLine, oldLeft, newLeft int
	for {
		raw, err := br.ReadBytes('\n')
		if len(raw) > 0 {
			line := bytes.TrimSuffix(raw, []byte{'\n'})
			switch {
			case oldLeft > 0 || newLeft > 0: // inside a hunk
				switch {
				case len(line) > 0 && line[0] == '+':
					newLeft--
					if path != "" && bytes.Contains(line, []byte(apikey.Prefix)) {
						for _, m := range apikey.Regexp.FindAll(line[1:], -1) {
							if f, ok := keyFinding(m); ok {
								f.Path, f.Line, f.Commit = path, newLine, commit
								add(f)
							}
						}
					}
					newLine++
				case len(line) > 0 && line[0] == '-':
					oldLeft--
				}
				// "\ No newline at end of file" counts for neither.
			case bytes.HasPrefix(line, []byte("\x00commit ")):
				commit, path = string(line[len("\x00commit "):]), ""
			case bytes.HasPrefix(line, []byte("+++ ")):
				path = gitPath(string(line[4:]), "b/")
			case bytes.HasPrefix(line, []byte("@@ ")):
				var ok bool
				if oldLeft, newLeft, newLine, ok = parseHunkHeader(string(line)); !ok {
					oldLeft, newLeft = 0, 0
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// gitPath is the path of a "+++ " header: "" for /dev/null, else without
// its prefix, unquoted when git quoted it (and without the tab git puts
// after a name with a space).
func gitPath(s, prefix string) string {
	s = strings.TrimSuffix(s, "\t")
	if s == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(s, `"`) {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
	}
	return strings.TrimPrefix(s, prefix)
}

// parseHunkHeader reads "@@ -a[,b] +c[,d] @@…": the old and new line
// counts (1 when omitted) and the first new line number.
func parseHunkHeader(h string) (oldCount, newCount, newStart int, ok bool) {
	f := strings.Fields(h)
	if len(f) < 3 || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return 0, 0, 0, false
	}
	_, oldCount, ok1 := rangeOf(f[1][1:])
	newStart, newCount, ok2 := rangeOf(f[2][1:])
	return oldCount, newCount, newStart, ok1 && ok2
}

func rangeOf(s string) (start, count int, ok bool) {
	a, b, has := strings.Cut(s, ",")
	start, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	count = 1
	if has {
		if count, err = strconv.Atoi(b); err != nil {
			return 0, 0, false
		}
	}
	return start, count, true
}
