// What the bot and the HTTP server need from the job queue.
import type { KeyAvailability } from "../generation/keys.ts";

export type { KeyAvailability } from "../generation/keys.ts";

export interface QueueHandle {
  /** New jobs were created: wake an idle worker at once. */
  wake(): void;
  /** kie.ai called back for this task: check its status now instead of at the next scheduled poll. */
  checkProviderTask(taskId: string): Promise<void>;
  /** Rough wait for a new job in the queue at `position`, in minutes. */
  estimateMinutes(position: number): number;
  /**
   * Whether a new order can be rendered: kie.ai keys configured and not all resting. Reads the
   * keys' state every process shares in the store (briefly cached), never the network, so Confirm
   * can ask it before charging.
   */
  availability(): Promise<KeyAvailability>;
}
