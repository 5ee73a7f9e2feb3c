/**
 * Result files: the original Python tool's formats ({@link ai.spectrum.report.OriginalFormat}), reproduced byte
 * for byte.
 */
package ai.spectrum.report;
