package dialog

import "github.com/sk400vop/sk400vop/engine/sip"

// Set indexes dialogs by ID, so the UA core finds the dialog of a message
// in constant time. The zero value is an empty Set. Like a Dialog it is
// driven from one goroutine.
type Set struct {
	m map[ID]*Dialog
}

// Add stores d under its ID, replacing any dialog with the same ID.
func (s *Set) Add(d *Dialog) {
	if s.m == nil {
		s.m = make(map[ID]*Dialog)
	}
	s.m[d.id] = d
}

// Get returns the dialog with the given ID, or nil.
func (s *Set) Get(id ID) *Dialog { return s.m[id] }

// Match returns the dialog m belongs to, or nil; uac is as for IDOf. A
// 2xx that matches no dialog while an early dialog of the same request
// exists comes from another branch of a fork: the UA creates its dialog
// with NewUAC.
func (s *Set) Match(m *sip.Message, uac bool) *Dialog {
	id, err := IDOf(m, uac)
	if err != nil {
		return nil
	}
	return s.m[id]
}

// Remove deletes the dialog with the given ID, if any.
func (s *Set) Remove(id ID) { delete(s.m, id) }

// Len returns the number of dialogs in the set.
func (s *Set) Len() int { return len(s.m) }
