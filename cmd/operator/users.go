package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store/backend"
)

const usersLong = `Manage who may use the daemon's API.

These commands work on the SQLite database file itself, on the daemon's
host: whoever can write that file is already trusted, and the first admin
has to come from somewhere. They may run while the daemon runs; a revoked
token stops working at its next request.

A token is printed once, when it is created, and stored only as its hash.
Give it to its owner through a channel you trust; the CLI reads it from
$OPERATOR_TOKEN or from a file (--token-file, $OPERATOR_TOKEN_FILE), never
from a flag that would show in ps.`

func newUsersCmd(stdout io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Add, list and revoke API users (works on the database file)", Long: usersLong}
	cmd.PersistentFlags().String("db", "", "the operator's state store: SQLite file or postgres:// URL (default: db.path)")
	open := func(c *cobra.Command) (backend.Store, error) {
		path, _ := c.Flags().GetString("db")
		if strings.TrimSpace(path) == "" {
			cfg, err := loadConfig(c, env)
			if err != nil {
				return nil, err
			}
			path = cfg.DB.Path
		}
		st, err := backend.Open(c.Context(), path, nil)
		if err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("users: open %s: %w", path, err)}
		}
		return st, nil
	}
	// Who runs the command, for the audit log: the host account.
	local := func() string {
		if v, ok := env("USER"); ok && v != "" {
			return "local:" + v
		}
		return "local"
	}
	printToken := func(name, token string) error {
		_, err := fmt.Fprintf(stdout, "token for %s (shown once; store it now, e.g. in a file readable only by them):\n%s\n", name, token)
		return err
	}

	add := &cobra.Command{
		Use: "add NAME --role viewer|approver|admin", Short: "Add a user and print their first token", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			raw, _ := c.Flags().GetString("role")
			role, err := auth.ParseRole(raw)
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("--role: %w", err)}
			}
			if err := auth.ValidateName(args[0]); err != nil {
				return &exitError{code: 2, err: err}
			}
			st, err := open(c)
			if err != nil {
				return err
			}
			defer st.Close()
			token, hash, err := auth.NewToken()
			if err != nil {
				return err
			}
			if _, err := st.AddUser(c.Context(), auth.User{Name: args[0], Role: role, CreatedAt: time.Now(), CreatedBy: local()}, hash); err != nil {
				return fmt.Errorf("users add: %w", err)
			}
			fmt.Fprintf(stdout, "user %s added as %s\n", args[0], role)
			return printToken(args[0], token)
		},
	}
	add.Flags().String("role", "", "viewer (read), approver (approve, reject, cancel), admin (also the kill switch and the policy)")

	token := &cobra.Command{
		Use: "token NAME", Short: "Print a new token for a user (their old tokens keep working until the user is revoked)", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := open(c)
			if err != nil {
				return err
			}
			defer st.Close()
			tok, hash, err := auth.NewToken()
			if err != nil {
				return err
			}
			if err := st.AddToken(c.Context(), args[0], hash, local(), time.Now()); err != nil {
				return fmt.Errorf("users token: %w", err)
			}
			return printToken(args[0], tok)
		},
	}

	revoke := &cobra.Command{
		Use: "revoke NAME", Short: "Revoke a user and all their tokens, at once", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := open(c)
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := st.RevokeUser(c.Context(), args[0], local(), time.Now())
			if err != nil {
				return fmt.Errorf("users revoke: %w", err)
			}
			_, err = fmt.Fprintf(stdout, "user %s revoked at %s; their tokens no longer work\n", u.Name, u.RevokedAt.UTC().Format(time.RFC3339))
			return err
		},
	}

	list := &cobra.Command{
		Use: "list", Short: "List users, revoked ones too", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			st, err := open(c)
			if err != nil {
				return err
			}
			defer st.Close()
			us, err := st.ListUsers(c.Context())
			if err != nil {
				return err
			}
			if len(us) == 0 {
				_, err := fmt.Fprintln(stdout, "no users: add the first admin with `operator users add NAME --role admin`")
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tBY\tREVOKED")
			for _, u := range us {
				revoked := "-"
				if u.RevokedAt != nil {
					revoked = u.RevokedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.CreatedAt.UTC().Format(time.RFC3339), u.CreatedBy, revoked)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(add, token, revoke, list)
	return cmd
}
