package cloudforet

import (
	"strconv"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/event"
	ampluginpb "github.com/monhook/monhook/proto/spaceone/api/alert_manager/plugin"
	amv1pb "github.com/monhook/monhook/proto/spaceone/api/alert_manager/v1"
)

// Protocol names a plugin protocol of Cloudforet's that monhook speaks; a process serves one.
type Protocol string

// The protocols, as the protocol setting and `monhook parse --protocol` name them.
const (
	Monitoring   Protocol = "monitoring"    // spaceone.api.monitoring.plugin, of the monitoring service
	AlertManager Protocol = "alert_manager" // spaceone.api.alert_manager.plugin, of the Alert Manager service
)

// Protocols lists every protocol, the default first.
func Protocols() []Protocol { return []Protocol{Monitoring, AlertManager} }

// alertManagerTypes spells event types in the Alert Manager plugin's enum, numbered the other way round from its
// service's own.
var alertManagerTypes = map[event.Type]ampluginpb.EventType{
	event.Alert:    ampluginpb.EventType_ALERT,
	event.Recovery: ampluginpb.EventType_RECOVERY,
}

// alertManagerSeverities spells severities in the Alert Manager's EventSeverity, which has no NOT_AVAILABLE and
// whose zero, EVENT_SEVERITY_NONE, is proto3's "not set" (absent from the wire and from the dict Cloudforet's
// client reads). NOT_AVAILABLE, which the monitoring service pages on as it does on ERROR, becomes ERROR: the
// lowest level that still pages, so an alert of unknown level never passes as harmless; NONE, a level chosen to be
// harmless, becomes INFO. Both keep their own name in additional_info.monitoring_severity.
var alertManagerSeverities = map[event.Severity]amv1pb.EventSeverity{
	event.Critical:     amv1pb.EventSeverity_CRITICAL,
	event.Error:        amv1pb.EventSeverity_ERROR,
	event.Warning:      amv1pb.EventSeverity_WARNING,
	event.Info:         amv1pb.EventSeverity_INFO,
	event.NotAvailable: amv1pb.EventSeverity_ERROR,
	event.None:         amv1pb.EventSeverity_INFO,
}

// extraKeys are the additional_info keys under which the Alert Manager receives what its EventInfo has no field
// for, in the order they are named.
var extraKeys = [...]string{"provider", "account", "resource_id", "resource_type", "monitoring_severity"}

// AlertManagerEventsInfo writes events as spaceone.api.alert_manager.plugin's EventsInfo, the same events
// EventsInfo writes for the monitoring service. That EventInfo has no resource, provider or account: the resource's
// name goes in resources (which is what the monitoring service itself stores of a resource), and provider, account,
// the resource's id and type, and a severity the Alert Manager cannot name go in additional_info (see extras).
func AlertManagerEventsInfo(events []event.Event) *ampluginpb.EventsInfo {
	var b builder
	n := 0
	for _, e := range events {
		n += len(e.AdditionalInfo) + len(extraKeys)
	}
	b.values = make([]structpb.Value, n)
	b.strings = make([]structpb.Value_StringValue, n)
	b.structs = make([]structpb.Struct, len(events))
	infos := make([]ampluginpb.EventInfo, len(events))
	names := make([]string, len(events)) // each event's resources, one slice apiece
	out := &ampluginpb.EventsInfo{Results: make([]*ampluginpb.EventInfo, len(events))}
	for i, e := range events {
		info := &infos[i]
		info.EventKey = e.Key
		info.EventType = alertManagerTypes[e.Type]
		info.Title = e.Title
		info.Description = e.Description
		info.Severity = alertManagerSeverities[e.Severity]
		info.Rule = e.Rule
		info.ImageUrl = e.ImageURL
		if e.Resource.Name != "" {
			names[i] = e.Resource.Name
			info.Resources = names[i : i+1 : i+1]
		}
		more, n := extras(e)
		info.AdditionalInfo = b.stringStruct(e.AdditionalInfo, n)
		for _, x := range more[:n] {
			info.AdditionalInfo.Fields[x.key] = b.str(x.value)
		}
		info.OccurredAt = event.FormatTime(e.OccurredAt)
		out.Results[i] = info
	}
	return out
}

// entry is one additional_info entry.
type entry struct{ key, value string }

// extras returns the first n of more: the additional_info entries e needs beyond its own on the Alert Manager's
// wire, each under the first free name of key, key_2, key_3, ... (every one storable and rule-addressable), so the
// source's own entries keep their names on both protocols. An entry the event already has with the same value is
// not repeated (AWS Health's account, Google's resource_type), and an empty value is left out, as in every
// additional_info.
func extras(e event.Event) (more [len(extraKeys)]entry, n int) {
	values := [len(extraKeys)]string{e.Provider, e.Account, e.Resource.ID, e.Resource.Type, ""}
	if e.Severity == event.NotAvailable || e.Severity == event.None {
		values[4] = string(e.Severity)
	}
	taken := func(k string) bool {
		for _, x := range more[:n] {
			if x.key == k {
				return true
			}
		}
		return e.AdditionalInfo[k] != "" // an empty value is never written, so its key is free
	}
	for i, key := range extraKeys {
		v := values[i]
		if v == "" || e.AdditionalInfo[key] == v {
			continue
		}
		name := key
		for suffix := 2; taken(name); suffix++ {
			name = key + "_" + strconv.Itoa(suffix)
		}
		more[n] = entry{name, v}
		n++
	}
	return more, n
}
