/**
 * Spectrum on Apache Spark with DL4J's {@code dl4j-spark}: {@link ai.spectrum.spark.SpectrumTrainingMaster} selects on
 * the driver between parameter-averaging rounds, and the broadcast configuration carries the freeze to every worker.
 * Only {@code DriverSelection} calls the plugin's training API.
 */
package ai.spectrum.spark;
