/**
 * Full `review` of the 2,000-trial × 500-step synthetic study (1,000,000 measurement rows).
 * No peer tool does this; the goal is under 2 s.
 */
import { review } from "../src/analysis/review.js";
import { loadStudy } from "../src/study/load.js";
import { generate } from "./gen.js";
import { reportAbsolute, time } from "./common.js";

const { jsonl } = await generate();
const study = await loadStudy(jsonl);
let findings = 0;
const t = await time(() => (findings = review(study).findings.length), 3);
reportAbsolute(`review of ${study.size} trials × ${Math.round(study.measurementCount / study.size)} steps (${findings} findings)`, t, 2);
