package authn

import (
	"sync"
	"testing"
)

// TestAdderLosesNothing adds from many goroutines while swapping the
// count out: the swapped totals add up to every add.
func TestAdderLosesNothing(t *testing.T) {
	t.Parallel()
	var a adder
	const workers, each = 8, 20000
	var wg sync.WaitGroup
	done := make(chan struct{})
	var swapped int64
	var swapper sync.WaitGroup
	swapper.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				swapped += a.swap()
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for range each {
				a.add(1)
			}
		})
	}
	wg.Wait()
	close(done)
	swapper.Wait()
	swapped += a.swap()
	if swapped != workers*each {
		t.Errorf("total swapped = %d; want %d", swapped, workers*each)
	}
}
