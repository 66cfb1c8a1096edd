// Package overview holds the cluster overview the console, the API and
// the TUI show: the nodes of the watched system with their state, space
// and traffic, how many shards it holds and how healthy they are, in
// domain-neutral words (a TiKV "store" is a node, a "region" a shard; the
// nouns travel with the overview so screens can say the cluster's own
// words). An adapter fills it from each observation; History keeps a
// bounded window of them for charts.
package overview
