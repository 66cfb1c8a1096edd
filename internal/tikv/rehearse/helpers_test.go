package rehearse

import (
	"fmt"
	"strconv"
)

func itoa[T ~uint64 | ~int](v T) string { return strconv.FormatUint(uint64(v), 10) }

// sscan reads "to store 3: 4".
func sscan(s string, store, n *int) (int, error) { return fmt.Sscanf(s, "to store %d: %d", store, n) }
