package execute

// BeginTerm is called when this replica starts leading: what a previous
// leader left in flight (its locks and pauses, its executing runs) is
// recovered again on the next pass, as after a restart, since another
// replica may have led in between.
func (e *Executor) BeginTerm() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.recovered = false
}
