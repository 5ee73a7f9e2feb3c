package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.selection.Selection;
import ai.spectrum.selection.TypeGroup;

import java.util.Locale;

/** The per-type summary table printed after a scan or a selection. */
final class TypeTable {
    private TypeTable() {
    }

    /** One row per module type: modules, selected, and the maximum, median and minimum SNR (NaN excluded). */
    static String render(Selection selection) {
        int width = "type".length();
        for (TypeGroup g : selection.groups()) {
            width = Math.max(width, g.type().length());
        }
        String row = "%-" + width + "s  %7s  %8s  %11s  %11s  %11s%n";
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, row, "type", "modules", "selected",
                "max_snr", "median_snr", "min_snr"));
        for (TypeGroup g : selection.groups()) {
            double[] v = g.ranked().stream().mapToDouble(ModuleScore::snr).filter(x -> !Double.isNaN(x)).sorted()
                    .toArray();
            String max = v.length == 0 ? "nan" : number(v[v.length - 1]);
            String min = v.length == 0 ? "nan" : number(v[0]);
            String median = v.length == 0 ? "nan" : number(median(v));
            sb.append(String.format(Locale.ROOT, row, g.type(), g.ranked().size(), g.selected().size(), max, median,
                    min));
        }
        return sb.toString();
    }

    private static double median(double[] ascending) {
        int n = ascending.length;
        if (Double.isInfinite(ascending[n / 2]) || Double.isInfinite(ascending[(n - 1) / 2])) {
            return ascending[n / 2];
        }
        return (ascending[n / 2] + ascending[(n - 1) / 2]) / 2;
    }

    private static String number(double x) {
        return Double.isInfinite(x) ? (x > 0 ? "inf" : "-inf") : String.format(Locale.ROOT, "%.6g", x);
    }
}
