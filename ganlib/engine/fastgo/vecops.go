package fastgo

// addInto adds src to dst elementwise (len(dst) >= len(src)).
func addInto[T float](dst, src []T) {
	if f32, ok := any(dst).([]float32); ok && simdAddInto32 != nil {
		simdAddInto32(f32, any(src).([]float32))
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}
