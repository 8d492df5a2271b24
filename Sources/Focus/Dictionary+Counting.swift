extension Dictionary where Value == Int {
    /// Takes one from a count, removing the key at zero (a table of holders never keeps empty entries).
    mutating func decrementCount(_ key: Key) {
        guard let n = self[key] else { return }
        if n <= 1 { self[key] = nil } else { self[key] = n - 1 }
    }
}
