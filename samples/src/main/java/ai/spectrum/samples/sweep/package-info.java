/** Sample: an Arbiter sweep of Spectrum's top percent and SNR threshold on a small synthetic problem. */
package ai.spectrum.samples.sweep;
