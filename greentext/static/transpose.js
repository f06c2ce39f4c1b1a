function transpose(mat) {
        // Patched: columns read lazily (a copy of 12 x 1024 x 1024 weights would be heavy)
        return Array.from(mat[0], (_, j) => new Proxy({}, {get: (t, i) => mat[+i] === undefined ? undefined : mat[+i][j]}));
    }
