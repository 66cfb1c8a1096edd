package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store/backend"
)

const auditLong = `Check and export the hash-chained audit log.

Unlike 'operator tickets', these commands do not talk to the daemon's API:
they are a local forensic tool that reads the SQLite database file itself,
opened read-only, so they work on a copy taken off a broken host and never
change the evidence. They may run while the daemon is running.`

func newAuditCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Verify or export the audit log (reads the database file directly, read-only)", Long: auditLong}
	cmd.PersistentFlags().String("db", "", "the operator's state store: SQLite file or postgres:// URL (required)")

	openLog := func(c *cobra.Command) (*auditLog, error) {
		path, _ := c.Flags().GetString("db")
		if strings.TrimSpace(path) == "" {
			return nil, &exitError{code: 2, err: errors.New("audit: --db is required: the operator's SQLite database file or postgres:// URL")}
		}
		l, closeLog, err := backend.AuditLog(c.Context(), path)
		if err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("audit: %w", err)}
		}
		return &auditLog{Log: l, close: closeLog}, nil
	}

	verify := &cobra.Command{
		Use:   "verify --db PATH [--anchor SEQ:HASH]",
		Short: "Walk the hash chain and report the first edited, deleted or reordered record",
		Long: `Walk the hash chain and report the first edited, deleted or reordered record.

Exit status 0 when the chain is intact, 1 when it is not, 2 for bad input.

A hash chain cannot show that records were removed from the end: what is
left is still a valid chain. Keep the last line this command prints
somewhere else (a ticket, a log collector) and pass it back as --anchor
SEQ:HASH; verify then also fails if the log no longer reaches that record.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			var anchor *audit.Anchor
			if s, _ := c.Flags().GetString("anchor"); s != "" {
				a, err := parseAnchor(s)
				if err != nil {
					return &exitError{code: 2, err: fmt.Errorf("audit verify: --anchor %q: %w", s, err)}
				}
				anchor = &a
			}
			l, err := openLog(c)
			if err != nil {
				return err
			}
			defer l.Close()
			rep, err := audit.Verify(c.Context(), l, anchor)
			if err != nil {
				return fmt.Errorf("audit verify: %w", err)
			}
			if !rep.OK {
				return &exitError{code: 1, err: fmt.Errorf("audit verify: %s", rep)}
			}
			if _, err := fmt.Fprintf(stdout, "%d records, chain intact (last seq %d, hash %s)\n", rep.Records, rep.LastSeq, rep.LastHash); err != nil {
				return err
			}
			if anchor == nil {
				fmt.Fprintf(stderr, "note: without --anchor, records deleted from the end cannot be detected; keep this to check later: --anchor %d:%s\n",
					rep.LastSeq, rep.LastHash)
			}
			return nil
		},
	}
	verify.Flags().String("anchor", "", "SEQ:HASH of a record known to exist (from an earlier verify), to detect a deleted tail")

	export := &cobra.Command{
		Use:   "export --db PATH [-o FILE]",
		Short: "Write the audit log as JSON lines, one record per line, in order",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			out, _ := c.Flags().GetString("output")
			l, err := openLog(c)
			if err != nil {
				return err
			}
			defer l.Close()
			if out == "" || out == "-" {
				return audit.Export(c.Context(), l, stdout)
			}
			// O_EXCL: an export is evidence too; never overwrite one.
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("audit export: %w", err)}
			}
			if err := audit.Export(c.Context(), l, f); err != nil {
				f.Close()
				os.Remove(out)
				return err
			}
			if err := f.Close(); err != nil {
				os.Remove(out)
				return fmt.Errorf("audit export: %w", err)
			}
			return nil
		},
	}
	export.Flags().StringP("output", "o", "", "write to this new file instead of standard output (refuses to overwrite)")

	cmd.AddCommand(verify, export)
	return cmd
}

var hashHex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// parseAnchor reads SEQ:HASH as printed by verify.
func parseAnchor(s string) (audit.Anchor, error) {
	seqS, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return audit.Anchor{}, errors.New("want SEQ:HASH, as printed by a previous verify")
	}
	seq, err := strconv.ParseInt(seqS, 10, 64)
	if err != nil || seq < 1 {
		return audit.Anchor{}, fmt.Errorf("sequence %q is not a positive number", seqS)
	}
	if !hashHex.MatchString(hash) {
		return audit.Anchor{}, fmt.Errorf("hash %q is not 64 lowercase hex digits", hash)
	}
	return audit.Anchor{Seq: seq, Hash: hash}, nil
}

// auditLog is an audit log opened for reading, with how to release it.
type auditLog struct {
	audit.Log
	close func() error
}

func (a *auditLog) Close() error { return a.close() }
