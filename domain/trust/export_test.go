package trust

// Keys exposes to the black-box tests the body keys m's Signed keeps, in the order ReadSNS found them.
func (m SNSMessage) Keys() []string { return m.keys }
