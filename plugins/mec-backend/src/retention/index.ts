export {
  RetentionPruner,
  RETENTION_TASK_ID,
  type RetentionOptions,
  type RetentionSummary,
  type RetentionTargets,
} from './RetentionPruner';
