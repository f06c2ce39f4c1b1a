function renderAttention(svg, attention) {
        // Patched: one line per nonzero weight (causal, so right <= left); past the budget, lines are
        // drawn for the token under the pointer only (see drawTokenLines).
        svg.select("#attention").remove();
        svg.append("g").attr("id", "attention");
        if (!GT.lazy) drawLines(svg, attention, null, null);
    }

    function drawTokenLines(svg, attention, isLeft, index) {
        svg.select("#attention").selectAll("line").remove();
        drawLines(svg, attention, isLeft ? index : null, isLeft ? null : index);
    }

    function drawLines(svg, attention, left, right) {
        const lines = [];
        const n = attention[0].length;
        for (let h = 0; h < attention.length; h++) {
            const first = left === null ? (right === null ? 0 : right) : left;
            const last = left === null ? n - 1 : left;
            for (let i = first; i <= last; i++) {
                const row = attention[h][i];
                const j0 = right === null ? 0 : right, j1 = right === null ? i : right;
                for (let j = j0; j <= j1; j++) if (row[j] > 0) lines.push({h: h, i: i, j: j, w: row[j]});
            }
        }
        svg.select("#attention").selectAll("line")
            .data(lines)
            .enter()
            .append("line")
            .attr("x1", BOXWIDTH)
            .attr("y1", d => TEXT_TOP + d.i * BOXHEIGHT + (BOXHEIGHT / 2))
            .attr("x2", BOXWIDTH + MATRIX_WIDTH)
            .attr("y2", d => TEXT_TOP + d.j * BOXHEIGHT + (BOXHEIGHT / 2))
            .attr("stroke-width", 2)
            .attr("stroke", d => headColors(d.h))
            .attr("left-token-index", d => d.i)
            .attr("right-token-index", d => d.j);
        updateAttention(svg);
    }

    function updateAttention(svg) {
        svg.select("#attention")
            .selectAll("line")
            .attr("stroke-opacity", d => config.headVis[d.h] ? d.w / activeHeads() : 0.0);
    }
