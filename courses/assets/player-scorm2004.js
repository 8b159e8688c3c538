// Entry point of the SCORM 2004 wrapper page: Scorm2004API as window.API_1484_11.
import { Scorm2004API } from "scorm-again/scorm2004";
import { startScormPlayer } from "./player-scorm.js";

startScormPlayer(Scorm2004API);
