import type { z } from 'zod';
import {
  toValidationIssues,
  type InputPart,
  type ValidationIssue,
} from '../../shared/validation-issues.js';

export type { InputPart };
/** One FastAPI-style validation problem (the same shape the control plane answers with). */
export type AgentValidationIssue = ValidationIssue;

/** Maps zod issues to the `{loc, msg, type}` list the control plane also answers with (422). */
export function toAgentIssues(
  part: InputPart,
  issues: readonly z.core.$ZodIssue[],
): AgentValidationIssue[] {
  return toValidationIssues(part, issues);
}
