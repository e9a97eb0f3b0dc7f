/**
 * The train wing of lib/nn: training a model. The trainer (one Adam step on
 * a batch, in the calling thread or in data-parallel Worker replicas that
 * stay bit-identical), Keras's Adam with a fused update, the epoch loop
 * (`fit`) with its learning-rate schedule, checkpoints that resume exactly,
 * and the train stage's outputs.
 *
 * It may import the evaluate wing (to validate every epoch), the model
 * wing, `../backend.ts` and the kernel wing.
 *
 * @module
 */
export {
  type CheckpointContents,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
export { fit, TrainingDivergedError } from "./fit.ts";
export type { EpochRecord, ValidationRecord } from "./epoch_record.ts";
export { KerasAdam, type KerasAdamConfig } from "./keras_adam.ts";
export { lrSchedule, type LrScheduleConfig } from "./lr_schedule.ts";
export { createTrainer, type TrainerOptions } from "./trainer.ts";
export type { StepOutcome, Trainer } from "./trainer_interface.ts";
