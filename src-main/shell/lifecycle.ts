// Pure on purpose (no electron import): the app's lifecycle decisions — what closing the window
// does, what a second launch does, and the quit order — so they are tested without Electron.

/** What closing the console window does. */
export type CloseDecision =
  | { action: 'close' }
  /** Hide to the tray; `tell` is true the first time, to say the app keeps running. */
  | { action: 'hide'; tell: boolean };

/** Closing hides the window (the control plane keeps serving the LAN) unless the app is quitting. */
export function decideClose(opts: { quitting: boolean; toldBefore: boolean }): CloseDecision {
  if (opts.quitting) return { action: 'close' };
  return { action: 'hide', tell: !opts.toldBefore };
}

/** The notice shown the first time the window is closed (per platform wording of "tray"). */
export function closeToTrayNotice(platform: string): { title: string; body: string } {
  const where = platform === 'darwin' ? 'menu bar' : 'system tray';
  return {
    title: 'Aerie is still running',
    body: `The control plane keeps serving your fleet. Open the console or quit from the Aerie icon in the ${where}.`,
  };
}

/** A launch argument that asks for no window (start at login). */
export const HIDDEN_FLAG = '--hidden';

/** True when this launch starts in the tray only: started at login or with `--hidden`. */
export function startsHidden(argv: readonly string[], openedAtLogin: boolean): boolean {
  return openedAtLogin || argv.includes(HIDDEN_FLAG);
}

/** One step of quitting, named for the log. */
export interface QuitStep {
  name: string;
  run(): void | Promise<void>;
}

/**
 * Runs the quit steps once, in order, each awaited: a failing step is reported and the next still
 * runs (a stuck database close must not leave the process up). Concurrent `run()` calls share one
 * sequence; `done` is true once it has finished.
 */
export class QuitSequence {
  private running: Promise<void> | null = null;
  private finished = false;

  constructor(
    private readonly steps: readonly QuitStep[],
    private readonly onError: (step: string, err: unknown) => void,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps) {
        try {
          await step.run();
        } catch (err) {
          this.onError(step.name, err);
        }
      }
      this.finished = true;
    })();
    return this.running;
  }
}

/**
 * The `before-quit` handler: the first quit is held (`preventDefault`) while the sequence runs,
 * then `quitAgain` is called, and that second quit goes through.
 */
export function beforeQuitHandler(
  sequence: QuitSequence,
  quitAgain: () => void,
): (event: { preventDefault(): void }) => void {
  return (event) => {
    if (sequence.done) return;
    event.preventDefault();
    void sequence.run().then(quitAgain);
  };
}
