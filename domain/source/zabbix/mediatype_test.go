package zabbix_test

import (
	"crypto/md5" //nolint:gosec // the key Cloudforet's plugin computes, recomputed to check it
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/sourcetest"
	"github.com/monhook/monhook/domain/source/zabbix"
)

// The published media type: the script Zabbix runs and the README that lists its parameters.
const (
	mediaTypeScript = "mediatype/monhook.js"
	mediaTypeReadme = "mediatype/README.md"
)

// scriptLeaf is one field of the body the script builds: its path in the body, the parameter it is read from and
// the script's function that reads it (text, or tags for the JSON list of tags).
type scriptLeaf struct {
	path, param, reader string
}

var (
	scriptParam   = regexp.MustCompile(`params\.([A-Za-z0-9_]+)`)
	readmeParam   = regexp.MustCompile("^\\| `([A-Za-z0-9_]+)` \\|")
	bodyOpen      = regexp.MustCompile(`^\s*([a-z_]+): \{$`)
	bodyClose     = regexp.MustCompile(`^\s*\},?$`)
	bodyLeaf      = regexp.MustCompile(`^\s*([a-z_]+): (text|tags)\(params\.([A-Za-z0-9_]+)\),?$`)
	scriptMacroRE = regexp.MustCompile(`(/\^[^/]*\$/)\.test\(s\)`)
)

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scriptBody reads the object literal `var body = {...};` of the script, one field a line, as its leaves.
func scriptBody(t *testing.T, script string) []scriptLeaf {
	t.Helper()
	_, rest, ok := strings.Cut(script, "var body = {\n")
	if !ok {
		t.Fatalf("%s builds no `var body = {`", mediaTypeScript)
	}
	var leaves []scriptLeaf
	var at []string
	for line := range strings.SplitSeq(rest, "\n") {
		if strings.TrimSpace(line) == "};" {
			if len(at) != 0 {
				t.Fatalf("%s: the body closes inside %v", mediaTypeScript, at)
			}
			return leaves
		}
		switch {
		case bodyOpen.MatchString(line):
			at = append(at, bodyOpen.FindStringSubmatch(line)[1])
		case bodyClose.MatchString(line):
			if len(at) == 0 {
				t.Fatalf("%s: unbalanced %q", mediaTypeScript, line)
			}
			at = at[:len(at)-1]
		case bodyLeaf.MatchString(line):
			m := bodyLeaf.FindStringSubmatch(line)
			leaves = append(leaves, scriptLeaf{path: strings.Join(append(slices.Clone(at), m[1]), "."), param: m[3], reader: m[2]})
		default:
			t.Fatalf("%s: a line of the body this test cannot read (one field a line, `name: text(params.x),`): %q", mediaTypeScript, line)
		}
	}
	t.Fatalf("%s: the body never closes", mediaTypeScript)
	return nil
}

func TestMediaTypeScriptReadsEveryReadmeParameter(t *testing.T) {
	script := readText(t, mediaTypeScript)
	inScript := map[string]bool{}
	for _, m := range scriptParam.FindAllStringSubmatch(script, -1) {
		inScript[m[1]] = true
	}
	inReadme := map[string]bool{}
	for line := range strings.SplitSeq(readText(t, mediaTypeReadme), "\n") {
		if m := readmeParam.FindStringSubmatch(line); m != nil {
			if inReadme[m[1]] {
				t.Errorf("%s lists %s twice", mediaTypeReadme, m[1])
			}
			inReadme[m[1]] = true
		}
	}
	if len(inReadme) < 20 {
		t.Fatalf("%s lists %d parameters: the table was not found", mediaTypeReadme, len(inReadme))
	}
	for p := range inReadme {
		if !inScript[p] {
			t.Errorf("%s lists %s, which %s never reads", mediaTypeReadme, p, mediaTypeScript)
		}
	}
	for p := range inScript {
		if !inReadme[p] {
			t.Errorf("%s reads params.%s, which %s does not list", mediaTypeScript, p, mediaTypeReadme)
		}
	}
	// Every parameter but where to post goes into the body, each once.
	sent := map[string]bool{}
	for _, l := range scriptBody(t, script) {
		if sent[l.param] {
			t.Errorf("params.%s is sent twice", l.param)
		}
		sent[l.param] = true
	}
	for p := range inScript {
		if !sent[p] && p != "webhookURL" {
			t.Errorf("params.%s is read but never sent", p)
		}
	}
}

// zabbixRendered is what Zabbix expands the media type's parameters to for one problem, by parameter name: its
// problem message, an update (acknowledged) and its recovery. Severities are renamed, as administrators do, so
// only the number tells the level; the Zabbix user's time zone is Europe/Berlin.
func zabbixRendered(state string) map[string]string {
	p := map[string]string{
		"eventID": "7458", "eventName": "Load average is too high on bastion-dev", "eventDate": "2024.03.10",
		"eventTime": "01:30:00", "eventStatus": "PROBLEM", "eventValue": "1", "eventSeverity": "Sev-High",
		"eventNSeverity": "4", "eventRecoveryID": "{EVENT.RECOVERY.ID}", "eventRecoveryDate": "{EVENT.RECOVERY.DATE}",
		"eventRecoveryTime": "{EVENT.RECOVERY.TIME}",
		"eventTags":         `[{"tag":"scope","value":"performance"},{"tag":"scope","value":"capacity"},{"tag":"db","value":""}]`,
		"eventOpdata":       "Load averages(1m 5m 15m): (2 1.66 1.67)", "eventUpdateAction": "{EVENT.UPDATE.ACTION}",
		"hostID": "10445", "hostHost": "bastion-dev", "hostName": "Bastion (dev)", "hostConn": "172.16.2.66",
		"itemID": "42529", "itemKey": "system.cpu.load[all,avg1]", "itemValue": "2", "triggerID": "21028",
		"triggerName": "Load average is too high (per CPU load over 1.5 for 5m)", "triggerSeverity": "Sev-High",
		"triggerStatus": "PROBLEM", "zabbixURL": "https://zabbix.example.com/", "subject": "Problem: Load average is too high",
		"message": "Problem started at 01:30:00 on 2024.03.10\r\nHost: Bastion (dev)\r\n", "timezone": "Europe/Berlin",
		"webhookURL": "https://console-api.example.com/monitoring/v1/webhook/webhook-1/key/events",
	}
	switch state {
	case "update":
		p["eventUpdateAction"] = "acknowledged"
		p["subject"] = "Updated problem: Load average is too high"
	case "recovery":
		p["eventStatus"], p["eventValue"], p["triggerStatus"] = "RESOLVED", "0", "OK"
		p["eventRecoveryID"], p["eventRecoveryDate"], p["eventRecoveryTime"] = "7470", "2024.03.10", "03:15:30"
		p["subject"] = "Resolved in 1h 45m 30s: Load average is too high"
	}
	return p
}

// scriptBodyFor builds the body the script builds from rendered parameters: its fields, its nesting, its rules
// (a value Zabbix did not expand, could not resolve or left empty is left out; tags are parsed; objects left
// empty are dropped, the event object never).
func scriptBodyFor(t *testing.T, script string, rendered map[string]string) map[string]any {
	t.Helper()
	m := scriptMacroRE.FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("%s: its test for an unexpanded macro was not found", mediaTypeScript)
	}
	macro := regexp.MustCompile(strings.Trim(m[1], "/")) // the script's own pattern: JavaScript and RE2 read it alike
	text := func(v string) (string, bool) {
		s := strings.TrimSpace(v)
		return v, s != "" && s != "*UNKNOWN*" && !macro.MatchString(s)
	}
	body := map[string]any{"event": map[string]any{}}
	for _, l := range scriptBody(t, script) {
		v, ok := text(rendered[l.param])
		if !ok {
			continue
		}
		var value any = v
		if l.reader == "tags" {
			var parsed any
			if json.Unmarshal([]byte(v), &parsed) == nil {
				value = parsed
			}
		}
		segs := strings.Split(l.path, ".")
		at := body
		for _, s := range segs[:len(segs)-1] {
			next, ok := at[s].(map[string]any)
			if !ok {
				next = map[string]any{}
				at[s] = next
			}
			at = next
		}
		at[segs[len(segs)-1]] = value
	}
	return body
}

func md5Key(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // the key Cloudforet's plugin computes
	return hex.EncodeToString(sum[:])
}

// TestMediaTypeBodyIsWhatTheParserReads builds the bodies the published script posts for a problem, an update
// and a recovery, reads them, and checks that each field the script sends is read for what it is.
func TestMediaTypeBodyIsWhatTheParserReads(t *testing.T) {
	script := readText(t, mediaTypeScript)
	bodies := map[string]map[string]any{}
	for _, state := range []string{"problem", "update", "recovery"} {
		bodies[state] = scriptBodyFor(t, script, zabbixRendered(state))
		if got, ok := sourcetest.Detect(bodies[state]); !ok || got != zabbix.Name {
			t.Fatalf("the script's %s body is detected as %q", state, got)
		}
	}
	if _, sent := bodies["problem"]["event"].(map[string]any)["recovery_id"]; sent {
		t.Error("the problem body carries {EVENT.RECOVERY.ID} unexpanded")
	}
	key := md5Key("10445:7458")

	// Each field of the body: which body shows it, the fields to leave out first (those read before it), and what
	// the event makes of it.
	checks := map[string]struct {
		state string
		drop  []string
		check func(e event.Event) (got, want any)
	}{
		"title": {"problem", nil, func(e event.Event) (any, any) {
			return e.AdditionalInfo["subject"], "Problem: Load average is too high"
		}},
		"message": {"problem", nil, func(e event.Event) (any, any) {
			return e.Description, "Problem started at 01:30:00 on 2024.03.10\r\nHost: Bastion (dev)"
		}},
		"event.id":            {"recovery", nil, func(e event.Event) (any, any) { return e.Key, key }},
		"event.name":          {"problem", nil, func(e event.Event) (any, any) { return e.Title, "Load average is too high on bastion-dev" }},
		"event.date":          {"problem", nil, func(e event.Event) (any, any) { return event.FormatTime(e.OccurredAt), "2024-03-10T00:30:00Z" }},
		"event.time":          {"problem", nil, func(e event.Event) (any, any) { return event.FormatTime(e.OccurredAt), "2024-03-10T00:30:00Z" }},
		"event.status":        {"recovery", []string{"event.value"}, func(e event.Event) (any, any) { return e.Type, event.Recovery }},
		"event.value":         {"recovery", []string{"event.status"}, func(e event.Event) (any, any) { return e.Type, event.Recovery }},
		"event.severity":      {"problem", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["severity_name"], "Sev-High" }},
		"event.nseverity":     {"problem", nil, func(e event.Event) (any, any) { return e.Severity, event.Error }},
		"event.recovery_id":   {"recovery", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["recovery_event_id"], "7470" }},
		"event.recovery_date": {"recovery", nil, func(e event.Event) (any, any) { return event.FormatTime(e.OccurredAt), "2024-03-10T02:15:30Z" }},
		"event.recovery_time": {"recovery", nil, func(e event.Event) (any, any) { return event.FormatTime(e.OccurredAt), "2024-03-10T02:15:30Z" }},
		"event.tags": {"problem", nil, func(e event.Event) (any, any) {
			return e.AdditionalInfo["tag_scope"] + " " + e.AdditionalInfo["tag_db"], "performance,capacity true"
		}},
		"event.opdata": {"problem", nil, func(e event.Event) (any, any) {
			return e.AdditionalInfo["opdata"], "Load averages(1m 5m 15m): (2 1.66 1.67)"
		}},
		"event.update_action": {"update", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["update_action"], "acknowledged" }},
		"event.timezone":      {"problem", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["timezone"], "Europe/Berlin" }},
		"item.id":             {"problem", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["zabbix_item_id"], "42529" }},
		"item.key": {"problem", nil, func(e event.Event) (any, any) {
			return e.AdditionalInfo["zabbix_item_key"], "system.cpu.load[all,avg1]"
		}},
		"item.value": {"problem", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["zabbix_item_value"], "2" }},
		"trigger.id": {"problem", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["zabbix_trigger_id"], "21028" }},
		"trigger.name": {"problem", nil, func(e event.Event) (any, any) {
			return e.Rule, "Load average is too high (per CPU load over 1.5 for 5m)"
		}},
		"trigger.severity": {"problem", []string{"event.severity"}, func(e event.Event) (any, any) { return e.AdditionalInfo["severity_name"], "Sev-High" }},
		"trigger.status":   {"recovery", []string{"event.value", "event.status"}, func(e event.Event) (any, any) { return e.Type, event.Recovery }},
		"host.id": {"problem", nil, func(e event.Event) (any, any) {
			return e.Resource.ID + " " + e.AdditionalInfo["zabbix_host_id"], "10445 10445"
		}},
		"host.name":            {"problem", nil, func(e event.Event) (any, any) { return e.Resource.Name, "bastion-dev" }},
		"host.visible_name":    {"problem", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["zabbix_host_visible_name"], "Bastion (dev)" }},
		"host.connection_info": {"problem", nil, func(e event.Event) (any, any) { return e.AdditionalInfo["host_connection"], "172.16.2.66" }},
		"zabbix.url": {"problem", nil, func(e event.Event) (any, any) {
			return e.AdditionalInfo["url"], "https://zabbix.example.com/tr_events.php?triggerid=21028&eventid=7458"
		}},
	}
	var paths []string
	for _, l := range scriptBody(t, script) {
		paths = append(paths, l.path)
	}
	if want := slices.Sorted(maps.Keys(checks)); !slices.Equal(slices.Sorted(slices.Values(paths)), want) {
		t.Fatalf("the script sends %v; this test checks %v: check every field the script sends", paths, want)
	}
	for _, path := range paths {
		c := checks[path]
		doc := cloneBody(t, bodies[c.state])
		for _, d := range c.drop {
			obj, field, _ := strings.Cut(d, ".")
			delete(doc[obj].(map[string]any), field)
		}
		e := sourcetest.One(t, zabbix.Name, nil, doc)
		if got, want := c.check(e); got != want {
			t.Errorf("%s (%s body): got %v, want %v", path, c.state, got, want)
		}
	}

	// All together: the update and the recovery are the problem's, and each event is complete.
	problem := sourcetest.One(t, zabbix.Name, nil, bodies["problem"])
	update := sourcetest.One(t, zabbix.Name, nil, bodies["update"])
	recovery := sourcetest.One(t, zabbix.Name, nil, bodies["recovery"])
	if problem.Key != key || update.Key != key || recovery.Key != key {
		t.Errorf("keys %s, %s, %s: want Cloudforet's %s for all three", problem.Key, update.Key, recovery.Key, key)
	}
	if problem.Type != event.Alert || update.Type != event.Alert || recovery.Type != event.Recovery {
		t.Errorf("types %s, %s, %s", problem.Type, update.Type, recovery.Type)
	}
	if recovery.Severity != event.Error || recovery.Title != problem.Title {
		t.Errorf("recovery: severity %s, title %q: want the problem's", recovery.Severity, recovery.Title)
	}
	if problem.Resource.Type != "zabbix.host" || problem.Provider != "zabbix" {
		t.Errorf("resource %+v, provider %q", problem.Resource, problem.Provider)
	}
}

// cloneBody copies a body two levels deep, so a check may drop fields.
func cloneBody(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
