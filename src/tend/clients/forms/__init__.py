"""Forms of the clients app, one module per part of the chart."""
