package pdsim

import "sort"

// regionSet is a set of region ids kept sorted, so the checkers visit
// flagged regions in a deterministic order without sorting the set on every
// patrol (which dominated long catch-ups: a drain flags a fifth of the
// cluster and the patrol runs every simulated second). New region ids are
// the largest yet, so adding one is usually an append; removing one moves
// the tail down, a memmove of at most the set's size.
type regionSet struct {
	ids []RegionID
}

func (s *regionSet) search(id RegionID) int {
	return sort.Search(len(s.ids), func(i int) bool { return s.ids[i] >= id })
}

func (s *regionSet) has(id RegionID) bool {
	i := s.search(id)
	return i < len(s.ids) && s.ids[i] == id
}

func (s *regionSet) add(id RegionID) {
	if n := len(s.ids); n == 0 || s.ids[n-1] < id {
		s.ids = append(s.ids, id)
		return
	}
	i := s.search(id)
	if i < len(s.ids) && s.ids[i] == id {
		return
	}
	s.ids = append(s.ids, 0)
	copy(s.ids[i+1:], s.ids[i:])
	s.ids[i] = id
}

func (s *regionSet) remove(id RegionID) {
	i := s.search(id)
	if i < len(s.ids) && s.ids[i] == id {
		s.ids = append(s.ids[:i], s.ids[i+1:]...)
	}
}

func (s *regionSet) len() int { return len(s.ids) }

// after returns the smallest id in the set above id. Walking a set with it
// is safe while the set changes underneath.
func (s *regionSet) after(id RegionID) (RegionID, bool) {
	i := s.search(id + 1)
	if i < len(s.ids) {
		return s.ids[i], true
	}
	return 0, false
}

// each calls f on the ids in order, from the set as it is at each step, until f returns false.
func (s *regionSet) each(f func(id RegionID) bool) {
	for id, ok := s.after(0); ok; id, ok = s.after(id) {
		if !f(id) {
			return
		}
	}
}
