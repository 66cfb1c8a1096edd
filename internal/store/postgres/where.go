package postgres

import (
	"fmt"
	"strings"
)

// where builds a filter's WHERE clause with numbered placeholders:
// conditions are written with "?" and numbered ($1, $2...) as added, so a
// filter's optional parts never miscount.
type where struct {
	conds []string
	args  []any
}

// add appends a condition with one "?" for arg (or none, when arg is nil).
func (w *where) add(cond string, arg any) {
	if arg == nil {
		w.conds = append(w.conds, cond)
		return
	}
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1))
}

// clause is " WHERE a AND b", or "" for no conditions.
func (w *where) clause() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit is " LIMIT $n" for a positive n (added as the last argument).
func (w *where) limit(n int) string {
	if n <= 0 {
		return ""
	}
	w.args = append(w.args, n)
	return fmt.Sprintf(" LIMIT $%d", len(w.args))
}
