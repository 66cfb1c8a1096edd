// Package eval is the scored diagnosis benchmark: incident scenarios for
// the PD simulator, each with the ticket a good operator raises, what its
// probable cause must name and the action a senior TiKV SRE would take (or
// none), and the harness that plays them and judges one provider.
//
// Every scenario runs on its own pdsim cluster on a manual clock, behind a
// real HTTP listener, with its own SQLite file, the TiKV subject, a
// monitor cycle every simulated 10s (Step) and, after the last cycle, one
// diagnosis pass by a runner holding the rules provider and, when a model
// is judged, the model. Only the judged ticket is put to a model, so a
// run costs one model request per scenario.
//
// The figures (Totals): action accuracy (the right action, "none"
// included), precision (of the proposals made, those of the expected
// type), parameter correctness (of the right-type proposals, those
// accepted with the expected parameters), cause keywords, and how many
// answers and proposals the diagnose package's checks refused.
//
// The scenario format is documented in eval/README.md; the scenarios
// themselves live in eval/scenarios and are embedded (Embedded).
package eval
