package dialog

import "testing"

func TestIDOf(t *testing.T) {
	callID := "3848276298220188511@atlanta.example.com"
	for _, tc := range []struct {
		name, text string
		uac        bool
		want       ID
	}{
		// Alice, the client of the INVITE: her tag is the From tag.
		{"response received by the UAC", aliceOK, true, ID{callID, "9fxced76sl", "314159"}},
		// Bob, its server: his tag is the To tag.
		{"response sent by the UAS", bobOK, false, ID{callID, "314159", "9fxced76sl"}},
		{"initial request received", bobInvite, false, ID{callID, "", "9fxced76sl"}},
		{"request received by the UAS", toBob("BYE", "2"), false, ID{callID, "314159", "9fxced76sl"}},
		{"request received by the UAC", toAlice("BYE", "1"), false, ID{callID, "9fxced76sl", "314159"}},
		{"request sent by the UAC", toBob("BYE", "2"), true, ID{callID, "9fxced76sl", "314159"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := IDOf(parse(t, tc.text), tc.uac)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, id, tc.want)
		})
	}
	_, err := IDOf(parse(t, "OPTIONS sip:bob@biloxi.example.com SIP/2.0\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"), false)
	isErr(t, err, ErrBadMessage)
}

func TestSet(t *testing.T) {
	var s Set // the zero value is ready
	eq(t, s.Len(), 0)
	eq(t, s.Get(ID{}), (*Dialog)(nil))
	s.Remove(ID{"x", "y", "z"})

	a, b := alice(t), bob(t)
	s.Add(a)
	s.Add(b)
	eq(t, s.Len(), 2)
	eq(t, s.Get(a.ID()), a)
	eq(t, s.Get(b.ID()), b)

	// Alice and Bob in one process: each message finds its side's dialog.
	eq(t, s.Match(parse(t, toAlice("BYE", "1")), false), a)
	eq(t, s.Match(parse(t, toBob("BYE", "2")), false), b)
	eq(t, s.Match(parse(t, aliceOK), true), a)
	eq(t, s.Match(parse(t, bobOK), false), b)
	eq(t, s.Match(parse(t, bobInvite), false), (*Dialog)(nil)) // no To tag: a new dialog
	eq(t, s.Match(parse(t, "SIP/2.0 200 OK\nContent-Length: 0\n\n"), true), (*Dialog)(nil))

	a2 := alice(t)
	s.Add(a2) // same ID: replaces
	eq(t, s.Len(), 2)
	eq(t, s.Get(a.ID()), a2)

	s.Remove(a.ID())
	eq(t, s.Len(), 1)
	eq(t, s.Get(a.ID()), (*Dialog)(nil))
	s.Remove(b.ID())
	eq(t, s.Len(), 0)
}
