// What the bot and the HTTP server need from the job queue.
export interface QueueHandle {
  /** New jobs were created: wake an idle worker at once. */
  wake(): void;
  /** kie.ai called back for this task: check its status now instead of at the next scheduled poll. */
  checkProviderTask(taskId: string): Promise<void>;
  /** Rough wait for a new job in the queue at `position`, in minutes. */
  estimateMinutes(position: number): number;
}
