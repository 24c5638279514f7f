package media

// chooseAnswer picks, for an offered stream, the audio codec and the
// telephone-event format to answer with (RFC 3264 §6.1), both under the
// offerer's payload type numbers. te.Name is "" if there is no common
// telephone-event; ok is false if there is no common audio codec.
func (cfg *Config) chooseAnswer(st stream) (codec, te Codec, ok bool) {
	codec, ok = firstCommon(st.codecs, cfg.Codecs, cfg.PreferLocalOrder)
	if !ok {
		return Codec{}, Codec{}, false
	}
	te = cfg.matchTE(st.codecs, codec.ClockRate)
	if te.Name != "" {
		// Answer with the events both sides know (RFC 4733 §2.4.1).
		theirs, _ := parseEvents(te.Fmtp)
		common := theirs.and(cfg.teEvents())
		if common.empty() {
			return codec, Codec{}, true
		}
		te.Fmtp = common.String()
	}
	return codec, te, true
}

// chooseAccepted picks, from the peer's answer to our offer of offered,
// the audio codec and telephone-event format, under the answer's payload
// type numbers.
func (cfg *Config) chooseAccepted(st stream, offered []Codec) (codec, te Codec, ok bool) {
	codec, ok = firstCommon(st.codecs, offered, false)
	if !ok {
		return Codec{}, Codec{}, false
	}
	return codec, cfg.matchTE(st.codecs, codec.ClockRate), true
}

// firstCommon returns the first audio format (not telephone-event) found
// in both lists, in the order of theirs, or of ours if byOurs. It is our
// Codec under the payload type theirs gives it.
func firstCommon(theirs, ours []Codec, byOurs bool) (Codec, bool) {
	var found Codec
	rank := -1
	for i, t := range theirs {
		if t.isTelephoneEvent() {
			continue
		}
		for j, o := range ours {
			r := i
			if byOurs {
				r = j
			}
			if t.sameFormat(o) && (rank < 0 || r < rank) {
				found, rank = o, r
				found.PayloadType = t.PayloadType
			}
		}
	}
	return found, rank >= 0
}

// matchTE returns the peer's telephone-event format at clock rate rate
// (RFC 4733 §7.1.1: it matches the audio codec's), if we have
// telephone-event at all. Its Fmtp is the peer's event list, or the
// RFC 4733 default if the peer gave none. Name is "" if there is none.
func (cfg *Config) matchTE(theirs []Codec, rate uint32) Codec {
	if cfg.teEvents().empty() {
		return Codec{}
	}
	for _, c := range theirs {
		if c.isTelephoneEvent() && c.ClockRate == rate {
			if _, ok := parseEvents(c.Fmtp); !ok {
				c.Fmtp = defaultEvents
			}
			c.Name = teName
			return c
		}
	}
	return Codec{}
}

// teEvents is the set of events of our telephone-event format, empty if
// we have none.
func (cfg *Config) teEvents() events {
	for _, c := range cfg.Codecs {
		if c.isTelephoneEvent() {
			if e, ok := parseEvents(c.Fmtp); ok {
				return e
			}
			e, _ := parseEvents(defaultEvents)
			return e
		}
	}
	return events{}
}
