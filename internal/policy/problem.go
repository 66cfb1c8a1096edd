package policy

import "github.com/operator-dev/operator/internal/yamldoc"

// Problem is one thing wrong with the document, as file:line:col: path: message.
type Problem = yamldoc.Problem

// Problems is the error for an invalid document; errors.As gets at each.
type Problems = yamldoc.Problems
