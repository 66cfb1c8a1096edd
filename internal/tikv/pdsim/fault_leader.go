package pdsim

// A PD leader change: the member that led steps down and another is
// elected, as when the leader's host dies or its etcd lease lapses. What a
// client of PD's HTTP API sees: /leader, /members and /health name a new
// leader (the endpoint keeps answering: a follower forwards to the
// leader), and the finished-operator records, which PD keeps only in the
// leader's memory, are gone (GET /operators/records and GET
// /operators/{region} no longer know them). Running operators keep
// running in pdsim: TiKV carries out a step it was sent whoever leads PD
// (real PD's new leader stops tracking them too; pdsim keeps that simpler).

// maxPDMembers is how many PD members pdsim shows once the leader changed.
const maxPDMembers = 3

// pdMembers is PD's membership as pdsim shows it: pd1 alone until the
// first leader change (so the output matches the captures of a one-member
// PD), then up to three members taking turns to lead.
type pdMembers struct {
	changes int // leader changes so far
}

// count is how many members PD lists.
func (m pdMembers) count() int { return min(m.changes+1, maxPDMembers) }

// leader is the index (0-based) of the member that leads.
func (m pdMembers) leader() int { return m.changes % maxPDMembers }

// changeLeader elects the next member and drops what only the old
// leader's memory held.
func (c *Cluster) changeLeader() {
	c.pd.changes++
	clear(c.ops.records)
}

// pdView is the membership and the leader's index, read under the lock.
func (c *Cluster) pdView() (members, leader int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.pd.count(), c.pd.leader()
}
