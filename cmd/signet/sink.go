package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/httpapi"
)

// auditSource is what the sink reads: the committed chain, in order.
// *service.Service implements it.
type auditSource interface {
	AuditHead(ctx context.Context) (int64, string, error)
	AuditEventsAfter(ctx context.Context, after int64, fn func(*signet.AuditEvent) error) (int64, error)
}

// auditSink copies every committed audit event, in chain order, as one
// JSON line (the export's format) to stdout or a file, for a SIEM. It
// follows the chain by seq in the database rather than hooking into
// transactions, so an event reaches the sink only once committed, never
// out of order, and a rolled-back one never does. It polls every interval
// and whenever Notify is called (after each committed change).
type auditSink struct {
	src      auditSource
	w        io.Writer
	close    func() error
	logger   *slog.Logger
	interval time.Duration
	wake     chan struct{}
	// after is the seq of the last event written.
	after int64
}

// openAuditSink opens the sink named by spec: "stdout", or "file:PATH"
// (appended to; an existing file is resumed after the last event it holds,
// so a restart leaves no gap). A new sink starts after the newest event
// already committed.
func openAuditSink(ctx context.Context, spec string, stdout io.Writer, src auditSource, logger *slog.Logger) (*auditSink, error) {
	s := &auditSink{src: src, logger: logger, interval: time.Second, wake: make(chan struct{}, 1), close: func() error { return nil }}
	resume := int64(-1)
	switch {
	case spec == "stdout":
		s.w = stdout
	case strings.HasPrefix(spec, "file:") && len(spec) > len("file:"):
		path := strings.TrimPrefix(spec, "file:")
		// Created private: audit events hold no secret, but say who did
		// what from where. An existing file keeps its mode, unlike the
		// database: giving a log shipper's group read access to it is
		// the operator's call, and one a SIEM setup often needs.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("audit sink: %w", err)
		}
		seq, err := lastSeqInFile(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("audit sink %s: %w", path, err)
		}
		resume = seq
		bw := bufio.NewWriterSize(f, 64<<10)
		s.w = bw
		s.close = func() error { return errors.Join(bw.Flush(), f.Sync(), f.Close()) }
	default:
		return nil, usagef("--audit-sink %q: want stdout or file:PATH", spec)
	}
	if resume >= 0 {
		s.after = resume
	} else {
		head, _, err := src.AuditHead(ctx)
		if err != nil {
			s.close()
			return nil, err
		}
		s.after = head
	}
	return s, nil
}

// lastSeqInFile returns the seq of the last complete JSON line of f, or -1
// when f holds none. A partial last line (a crash in the middle of a
// write) is cut off, so that the sink rewrites that event whole.
func lastSeqInFile(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	const tail = 1 << 20 // far more than one event
	off := max(st.Size()-tail, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return 0, err
	}
	end := bytes.LastIndexByte(buf, '\n') + 1 // after the last complete line
	if end < len(buf) {
		if err := f.Truncate(off + int64(end)); err != nil {
			return 0, err
		}
		buf = buf[:end]
	}
	line := bytes.TrimRight(buf, "\n")
	if len(line) == 0 {
		if off > 0 {
			return 0, fmt.Errorf("no complete line in the last MiB; move the file aside or fix it")
		}
		return -1, nil
	}
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	var ev struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(line, &ev); err != nil || ev.Seq <= 0 {
		return 0, fmt.Errorf("the last line is not an audit event; move the file aside or fix it")
	}
	return ev.Seq, nil
}

// Notify makes the sink look for new events now.
func (s *auditSink) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// drain writes every event committed after the last one written.
func (s *auditSink) drain(ctx context.Context) error {
	enc := json.NewEncoder(s.w)
	enc.SetEscapeHTML(false)
	last, err := s.src.AuditEventsAfter(ctx, s.after, func(e *signet.AuditEvent) error {
		return enc.Encode(httpapi.AuditEventJSON(e))
	})
	s.after = last
	if f, ok := s.w.(interface{ Flush() error }); ok {
		err = errors.Join(err, f.Flush())
	}
	return err
}

// Run follows the chain until ctx is done, then writes what was committed
// meanwhile and closes the sink.
func (s *auditSink) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		if err := s.drain(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("writing to the audit sink failed; will retry", "err", err, "after_seq", s.after)
		}
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := s.drain(final); err != nil {
				s.logger.Error("final write to the audit sink failed", "err", err, "after_seq", s.after)
			}
			cancel()
			if err := s.close(); err != nil {
				s.logger.Error("closing the audit sink failed", "err", err)
			}
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}
