/**
 * Sweep reports: {@link ai.spectrum.arbiter.report.SweepCsv} (one row per candidate),
 * {@link ai.spectrum.arbiter.report.SweepHtml} (a self-contained page with inline SVG charts, viewable offline) and
 * {@link ai.spectrum.arbiter.report.SweepReport}, which writes both plus a JSON copy with provenance.
 */
package ai.spectrum.arbiter.report;
