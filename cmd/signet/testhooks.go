package main

// bcryptCost is the cost of the password hashes that serve and admin
// create compute; 0 is the service's default (12). Only this package's
// tests change it (see TestMain): at cost 12 one hash takes seconds under
// the race detector, and the end-to-end tests hash dozens of passwords.
// It has no flag: a lower cost is never right for a real server.
var bcryptCost int
