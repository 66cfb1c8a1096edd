package pd

import "strconv"

// StoreID identifies a TiKV store. It is a distinct type so that a region or
// peer ID can never be passed where a store is meant. JSON: a number.
type StoreID uint64

// RegionID identifies a region. JSON: a number.
type RegionID uint64

// PeerID identifies one replica (peer) of a region. JSON: a number.
type PeerID uint64

func (id StoreID) String() string  { return strconv.FormatUint(uint64(id), 10) }
func (id RegionID) String() string { return strconv.FormatUint(uint64(id), 10) }
func (id PeerID) String() string   { return strconv.FormatUint(uint64(id), 10) }
