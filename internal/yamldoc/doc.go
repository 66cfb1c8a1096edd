// Package yamldoc holds what the YAML documents Operator reads (the
// config file, the approval policy) share: problems reported the way
// compilers do (file:line:col: path: message), positions for YAML syntax
// errors, "did you mean" suggestions and node descriptions. Each document's
// package keeps its own keys and rules.
package yamldoc
