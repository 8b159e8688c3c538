// Entry point of the SCORM 1.2 wrapper page: scorm-again's Scorm12API as window.API.
import { Scorm12API } from "scorm-again/scorm12";
import { startScormPlayer } from "./player-scorm.js";

startScormPlayer(Scorm12API);
