package ai.spectrum.arbiter.report;

import ai.spectrum.arbiter.CandidateResult;
import ai.spectrum.arbiter.SweepCandidate;
import ai.spectrum.arbiter.SweepResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The sweep as a table of strings, shared by the CSV and HTML writers. */
record SweepTable(List<String> settings, List<String> header, List<List<String>> rows) {
    static SweepTable of(SweepResult result) {
        Set<String> settings = new LinkedHashSet<>();
        for (CandidateResult r : result.candidates()) {
            r.candidate().ifPresent(c -> settings.addAll(c.asMap().keySet()));
        }
        List<String> header = new ArrayList<>();
        header.add("index");
        header.add("status");
        header.add(result.scoreName());
        header.addAll(settings);
        header.addAll(List.of("iterations", "training_loss", "wall_clock_ms", "peak_heap_bytes",
                "peak_rss_bytes", "updater_state_bytes", "failure"));
        List<List<String>> rows = new ArrayList<>();
        for (CandidateResult r : result.candidates()) {
            List<String> row = new ArrayList<>();
            row.add(Integer.toString(r.index()));
            row.add(r.status().name());
            row.add(r.isCompleted() ? Double.toString(r.score()) : "");
            Map<String, String> values = r.candidate().map(SweepCandidate::asMap).orElse(new LinkedHashMap<>());
            for (String s : settings) {
                row.add(values.getOrDefault(s, ""));
            }
            row.add(Long.toString(r.iterations()));
            row.add(Double.isNaN(r.trainingLoss()) ? "" : Double.toString(r.trainingLoss()));
            row.add(Long.toString(r.resources().wallClock().toMillis()));
            row.add(Long.toString(r.resources().peakHeapBytes()));
            row.add(Long.toString(r.resources().peakRssBytes()));
            row.add(Long.toString(r.resources().updaterStateBytes()));
            row.add(r.failure().orElse(""));
            rows.add(List.copyOf(row));
        }
        return new SweepTable(List.copyOf(settings), List.copyOf(header), List.copyOf(rows));
    }
}
