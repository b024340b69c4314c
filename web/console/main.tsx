/** The installer console's entry point (bundled by scripts/build-web.mjs to dist/web/console/). */
import { render } from "preact";
import "uplot/dist/uPlot.min.css";
import "./console.css";
import { App } from "./app";

render(<App />, document.getElementById("app") ?? document.body);
